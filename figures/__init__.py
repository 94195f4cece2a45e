"""What each screen shows, assembled from named queries; no Streamlit."""
