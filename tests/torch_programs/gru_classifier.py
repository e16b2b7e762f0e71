"""A sequence classifier in the style of the sentiment/name-classification tutorials: padded batches of ids,
``nn.Embedding(padding_idx=0)``, ``nn.GRU(batch_first=True, bidirectional=True)``, the last hidden states of
both directions joined with ``torch.cat``, ``nn.Linear``, ``nn.CrossEntropyLoss``, ``optim.Adam``, accuracy with
``argmax`` under ``torch.no_grad()``."""
from __future__ import annotations

SENTENCES = [
    ("good great fine", 1), ("bad awful poor", 0), ("great good", 1), ("poor bad bad awful", 0),
    ("fine good great good", 1), ("awful poor", 0), ("good fine", 1), ("bad poor awful bad", 0),
]
vocab = {"<pad>": 0}
for s, _ in SENTENCES:
    for w in s.split():
        vocab.setdefault(w, len(vocab))
EMBED, HIDDEN, CLASSES = 8, 12, 2


def build(torch):
    nn = torch.nn

    class GRUClassifier(nn.Module):
        def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
            self.gru = nn.GRU(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
            self.fc = nn.Linear(hidden_dim * 2, num_classes)

        def forward(self, x):
            embedded = self.embedding(x)                      # (B, T, E)
            output, hidden = self.gru(embedded)               # hidden: (2, B, H)
            hidden = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
            return self.fc(hidden)

    return GRUClassifier(len(vocab), EMBED, HIDDEN, CLASSES)


def encode(torch, batch):
    longest = max(len(s.split()) for s, _ in batch)
    ids = torch.zeros(len(batch), longest, dtype=torch.long)
    for i, (s, _) in enumerate(batch):
        for j, w in enumerate(s.split()):
            ids[i, j] = vocab[w]
    labels = torch.tensor([y for _, y in batch])
    return ids, labels


def main(torch, state=None, epochs: int = 6):
    model = build(torch)
    if state is not None:
        model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(epochs):
        model.train()
        for start in range(0, len(SENTENCES), 4):
            x, y = encode(torch, SENTENCES[start:start + 4])
            optimizer.zero_grad()
            logits = model(x)
            loss = criterion(logits, y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        x, y = encode(torch, SENTENCES)
        predictions = model(x).argmax(dim=1)
        accuracy = (predictions == y).float().mean().item()
    return losses, accuracy
