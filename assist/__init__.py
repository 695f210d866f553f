"""Agent assist: suggestions for the store's agents from the services the bot's actions use."""
