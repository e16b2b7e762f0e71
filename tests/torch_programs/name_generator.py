"""Generating names with a character-level RNN, as in the PyTorch tutorial "NLP From Scratch: Generating
Names with a Character-Level RNN": a category one-hot, the current letter's one-hot and the hidden state go
through ``torch.cat`` and three ``nn.Linear`` layers; ``nn.LogSoftmax`` + ``nn.NLLLoss`` per letter; a plain
SGD step over ``rnn.parameters()``."""
from __future__ import annotations

import string

all_letters = string.ascii_letters + " .,;'-"
n_letters = len(all_letters) + 1  # plus EOS marker
category_lines = {
    "English": ["Abbott", "Baker", "Carter", "Dawson", "Ellis"],
    "Italian": ["Abate", "Bellini", "Conti", "Donati", "Esposito"],
    "Japanese": ["Abe", "Fujita", "Honda", "Ito", "Kato"],
}
all_categories = list(category_lines)
n_categories = len(all_categories)
n_hidden = 32
learning_rate = 0.05


def build(torch, dropout: float = 0.1):
    nn = torch.nn

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super(RNN, self).__init__()
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
            self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
            self.o2o = nn.Linear(hidden_size + output_size, output_size)
            self.dropout = nn.Dropout(dropout)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, category, input, hidden):
            input_combined = torch.cat((category, input, hidden), 1)
            hidden = self.i2h(input_combined)
            output = self.i2o(input_combined)
            output_combined = torch.cat((hidden, output), 1)
            output = self.o2o(output_combined)
            output = self.dropout(output)
            output = self.softmax(output)
            return output, hidden

        def initHidden(self):
            return torch.zeros(1, self.hidden_size)

    return RNN(n_letters, n_hidden, n_letters)


def categoryTensor(torch, category):
    li = all_categories.index(category)
    tensor = torch.zeros(1, n_categories)
    tensor[0][li] = 1
    return tensor


def inputTensor(torch, line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li in range(len(line)):
        letter = line[li]
        tensor[li][0][all_letters.find(letter)] = 1
    return tensor


def targetTensor(torch, line):
    letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
    letter_indexes.append(n_letters - 1)  # EOS
    return torch.LongTensor(letter_indexes)


def main(torch, state=None, steps: int = 15, dropout: float = 0.0):
    rnn = build(torch, dropout)
    if state is not None:
        rnn.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    criterion = torch.nn.NLLLoss()

    def train(category_tensor, input_line_tensor, target_line_tensor):
        target_line_tensor.unsqueeze_(-1)
        hidden = rnn.initHidden()
        rnn.zero_grad()
        loss = torch.Tensor([0])
        for i in range(input_line_tensor.size(0)):
            output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
            l = criterion(output, target_line_tensor[i])
            loss += l
        loss.backward()
        with torch.no_grad():  # the tutorial's p.data.add_(p.grad.data, alpha=-learning_rate)
            for p in rnn.parameters():
                p -= learning_rate * p.grad
        return output, loss.item() / input_line_tensor.size(0)

    losses = []
    for it in range(steps):
        category = all_categories[it % n_categories]
        line = category_lines[category][(it // n_categories) % 5]
        output, loss = train(categoryTensor(torch, category), inputTensor(torch, line), targetTensor(torch, line))
        losses.append(loss)

    max_length = 10

    def sample(category, start_letter="A"):
        with torch.no_grad():
            category_tensor = categoryTensor(torch, category)
            input = inputTensor(torch, start_letter)
            hidden = rnn.initHidden()
            output_name = start_letter
            for i in range(max_length):
                output, hidden = rnn(category_tensor, input[0], hidden)
                topv, topi = output.topk(1)
                topi = topi[0][0]
                if topi == n_letters - 1:
                    break
                letter = all_letters[topi]
                output_name += letter
                input = inputTensor(torch, letter)
            return output_name

    rnn.eval()
    samples = [sample(c, c[0]) for c in all_categories]
    return losses, samples
