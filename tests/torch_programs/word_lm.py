"""A word-level LSTM language model in the style of pytorch/examples' word_language_model: batchify,
get_batch with bptt, repackage_hidden between batches, ``nn.Embedding`` + ``nn.LSTM`` + ``nn.Linear`` (tied
sizes), ``nn.CrossEntropyLoss``, ``clip_grad_norm_`` and the examples' manual SGD step."""
from __future__ import annotations

TEXT = ("the cat sat on the mat . the dog sat on the log . a cat saw a dog . the dog saw the cat on the mat . "
        "a bird sat on the dog . the bird saw a cat . ") * 3
bptt = 6
batch_size = 3
lr = 2.0
clip = 0.25


class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


dictionary = Dictionary()
ids_list = [dictionary.add_word(w) for w in TEXT.split()]
ntokens = len(dictionary)


def build(torch, dropout: float = 0.2):
    nn = torch.nn

    class RNNModel(nn.Module):
        def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5):
            super(RNNModel, self).__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            self.init_weights()
            self.rnn_type = rnn_type
            self.nhid = nhid
            self.nlayers = nlayers

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return torch.nn.functional.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))

    return RNNModel("LSTM", ntokens, 16, 24, 2, dropout)


def batchify(torch, data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def main(torch, state=None, epochs: int = 2, dropout: float = 0.0):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = build(torch, dropout).to(device)
    if state is not None:
        model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    criterion = torch.nn.CrossEntropyLoss()  # on log-probabilities, as the example's NLLLoss: the same loss
    train_data = batchify(torch, torch.tensor(ids_list, dtype=torch.long), batch_size).to(device)

    def repackage_hidden(h):
        if isinstance(h, torch.Tensor):
            return h.detach()
        return tuple(repackage_hidden(v) for v in h)

    losses = []
    for epoch in range(epochs):
        model.train()
        hidden = model.init_hidden(batch_size)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            with torch.no_grad():  # the example's p.data.add_(p.grad, alpha=-lr)
                for p in model.parameters():
                    p -= lr * p.grad
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        hidden = model.init_hidden(1)
        input = torch.tensor([[dictionary.word2idx["the"]]], dtype=torch.long)
        words = []
        for _ in range(5):
            output, hidden = model(input, hidden)
            word_idx = output.argmax(dim=1).item()
            input.fill_(word_idx)
            words.append(dictionary.idx2word[word_idx])
    return losses, words
