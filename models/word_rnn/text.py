"""Text → documents → sentences → word tokens, with NLTK and no downloaded data.

``nltk.sent_tokenize``/``word_tokenize`` need the "punkt" data package, which many machines do not
have and which we must never download at run time. So: sentences come from NLTK's pretrained English
Punkt model when it happens to be installed, otherwise from a Punkt model trained (unsupervised) on the
corpus itself, which learns abbreviations such as "Mr." from how they are used. Words come from
``NLTKWordTokenizer`` (the Treebank rules behind ``word_tokenize``), which needs no data at all.
"""
from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Container, Iterable, Protocol, Sequence

from ..common import UserError, read_text_file

_BLANK_LINE = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")


class SentenceSplitter(Protocol):
    def tokenize(self, text: str) -> list[str]: ...


def split_paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs with their line wraps joined; a sentence never crosses a blank line."""
    paragraphs = (_SPACES.sub(" ", p).strip() for p in _BLANK_LINE.split(text.replace("\r\n", "\n")))
    return [p for p in paragraphs if p]


def _csv_rows(text: str, path: str, strict: bool = True) -> list[list[str]]:
    """Every row of a CSV text. A quote that never closes is refused with the line where its field starts
    (a lenient reader would swallow the rest of the file into one field); other strict-mode complaints
    (text after a closing quote) are read leniently, as spreadsheets write them."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # one field may hold the whole file
    reader = csv.reader(io.StringIO(text, newline=""), strict=strict)
    rows: list[list[str]] = []
    start = 1
    try:
        for row in reader:
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as err:
        if "unexpected end of data" in str(err):
            raise UserError(f"CSV file {path!r} has an unterminated quote: the quoted field of the row starting on "
                            f"line {start} never closes; close the quote (a quote inside a field is written \"\")"
                            ) from None
        if strict:
            return _csv_rows(text, path, strict=False)
        raise UserError(f"CSV file {path!r} cannot be parsed at line {reader.line_num} ({err}); check its quoting") from None
    return rows


def read_csv_documents(text: str, path: str, column: str | None) -> list[str]:
    """One document per CSV row, from the named column (when ``column`` is None, the first that is not all numbers).

    The csv module handles quoted fields that span several lines (reddit comments do).
    """
    rows = _csv_rows(text, path)
    if not rows:
        raise UserError(f"CSV file {path!r} has no header row; the first row must name the columns")
    header = [h.strip() for h in rows[0]]
    if column is None:
        index = _first_text_column(rows)
        if index:
            # an id or a score often comes first: training on it "works" and yields a model of numbers
            print(f"note: reading CSV column {header[index]!r} of {path!r}, its first that is not numeric; choose "
                  f"another with --column (columns: {', '.join(repr(h) for h in header)})", file=sys.stderr)
    elif column in header:
        index = header.index(column)
    else:
        raise UserError(
            f"CSV column {column!r} not found in {path!r}; its columns are: "
            + ", ".join(repr(h) for h in header) + " (pick one with --column)"
        )
    docs = [row[index] for row in rows[1:] if index < len(row) and row[index].strip()]
    if not docs:
        raise UserError(f"CSV column {header[index]!r} of {path!r} holds no text")
    if all(_looks_numeric(d) for d in docs):
        # the first column is often an id: training on it "works" and yields a model of numbers
        print(f"warning: column {header[index]!r} looks numeric; choose the text column with --column "
              f"(columns: {', '.join(repr(h) for h in header)})", file=sys.stderr)
    return docs


def _first_text_column(rows: list[list[str]]) -> int:
    """The first column whose filled fields are not all numbers (0 if every column is numeric or empty)."""
    for index in range(len(rows[0])):
        fields = [row[index] for row in rows[1:] if index < len(row) and row[index].strip()]
        if fields and not all(_looks_numeric(f) for f in fields):
            return index
    return 0


def _looks_numeric(field: str) -> bool:
    try:
        float(field.strip().replace(",", ""))
    except ValueError:
        return False
    return True


def read_documents(path: str | Path, column: str | None = None, csv_format: bool | None = None) -> list[str]:
    """Documents of a UTF-8 text file (its blank-line separated paragraphs) or of a CSV file (one per row).

    A file is read as CSV when ``csv_format`` is True, or when it is None and the name ends in ``.csv``.
    Raises UserError for a missing, empty, binary or non-UTF-8 file and for an unknown CSV column.
    """
    text = read_text_file(path)
    is_csv = str(path).lower().endswith(".csv") if csv_format is None else csv_format
    if column is not None and not is_csv:
        raise UserError(f"--column was given but {str(path)!r} is not a .csv file; drop --column or pass --csv")
    if is_csv:
        docs = read_csv_documents(text, str(path), column)
        return [p for doc in docs for p in split_paragraphs(doc)]
    return split_paragraphs(text)


def pretrained_punkt() -> SentenceSplitter | None:
    """NLTK's pretrained English Punkt model if its data is installed locally, else None (never downloads)."""
    import nltk

    try:
        nltk.data.find("tokenizers/punkt_tab/english/")
        from nltk.tokenize import PunktTokenizer  # nltk >= 3.8.2 reads the pickle-free punkt_tab

        return PunktTokenizer("english")
    except (LookupError, ImportError, OSError, ValueError):
        return None


def train_punkt(documents: Sequence[str]) -> SentenceSplitter:
    """An unsupervised Punkt sentence splitter trained on the documents themselves."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTrainer

    trainer = PunktTrainer()
    trainer.train("\n\n".join(documents), finalize=True)
    return PunktSentenceTokenizer(trainer.get_params())


def sentence_splitter(documents: Sequence[str], use_pretrained: bool = True) -> tuple[SentenceSplitter, str]:
    """The splitter to use and a short description of where it came from (for the run's summary)."""
    if use_pretrained:
        splitter = pretrained_punkt()
        if splitter is not None:
            return splitter, "NLTK pretrained English Punkt"
    return train_punkt(documents), "NLTK Punkt trained on this corpus (no pretrained Punkt data installed)"


@dataclass
class WordTokenizer:
    """Word tokens of one sentence by NLTK's Treebank-style rules (no data files needed)."""

    lowercase: bool = False

    def __post_init__(self) -> None:
        from nltk.tokenize import NLTKWordTokenizer

        self._tokenizer = NLTKWordTokenizer()

    def __call__(self, sentence: str) -> list[str]:
        if self.lowercase:
            sentence = sentence.lower()
        return self._tokenizer.tokenize(sentence)


def tokenize_documents(
    documents: Sequence[str],
    lowercase: bool = False,
    splitter: SentenceSplitter | None = None,
) -> tuple[list[list[str]], str]:
    """Documents → sentences → word tokens (sentences with no tokens dropped), and the splitter's origin."""
    origin = "given"
    if splitter is None:
        splitter, origin = sentence_splitter(documents)
    words = WordTokenizer(lowercase)
    sentences: list[list[str]] = []
    for doc in documents:
        for sentence in splitter.tokenize(doc):
            tokens = words(sentence)
            if tokens:
                sentences.append(tokens)
    return sentences, origin


def tokenize_sentence(text: str, lowercase: bool = False) -> list[str]:
    """Word tokens of one sentence given by the user (``score``): no sentence splitting."""
    return WordTokenizer(lowercase)(_SPACES.sub(" ", text).strip())


def split_inner_periods(tokens: Sequence[str], known: Container[str]) -> list[str]:
    """``tokens`` with a period split off the words that carry one only because the Treebank rules split off
    just a text's final period ("She smiled. He laughed." gives "smiled."): where ``word.`` is not a ``known``
    token and ``word`` is, as training's sentence splitting would have made it. "Mr." stays whole if known."""
    out: list[str] = []
    for token in tokens:
        if len(token) > 1 and token.endswith(".") and token not in known and token[:-1] in known:
            out += [token[:-1], "."]
        else:
            out.append(token)
    return out


def detokenize(tokens: Iterable[str]) -> str:
    """Readable text from word tokens (undoes the Treebank splitting of quotes, contractions, punctuation)."""
    from nltk.tokenize.treebank import TreebankWordDetokenizer

    return TreebankWordDetokenizer().detokenize(list(tokens))
