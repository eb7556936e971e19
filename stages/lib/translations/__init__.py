"""The manager's words, one table per language (en.py, ru.py, the same keys); read through `stages.lib.words.Words`."""
