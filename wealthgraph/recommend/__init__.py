"""Recommendations: products, loans, topics and activities, with reasons and evaluation."""
