"""Competency frameworks (kompetensramar) of an organisation: competences with stable IRIs."""
