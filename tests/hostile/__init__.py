"""The hostile corpus: story files built at test time to attack the reader and the terminal."""
