"""ExampleGen's readers, one per input format; ``records`` holds what they yield."""
