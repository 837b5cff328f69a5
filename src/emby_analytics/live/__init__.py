"""Live now-playing: what each session shows (cards, computed once per snapshot of the session feed) and the hub
that hands every change to the browsers watching (SSE and WebSocket), however many they are."""
