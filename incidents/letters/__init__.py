"""Letters: the context a letter is written from (`context`) and its PDF on the letterhead (`pdf`)."""
