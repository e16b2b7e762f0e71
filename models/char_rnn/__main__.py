import sys

from ..console import char_rnn

sys.exit(char_rnn())
