"""The SUT side: LoadGen runs, SUT adapters, the director client and ``joulekit run``."""
