import sys

from ..console import word_rnn

sys.exit(word_rnn())
