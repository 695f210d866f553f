"""BERT two-tower recommender: model, training, evaluation, and serving for Aisle."""
