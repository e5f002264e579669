"""kades-bot: the composition root and the domain of the forum kades bot."""
