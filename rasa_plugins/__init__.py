"""The Rasa server's plug-ins: channels, guards, the live hand-off, conversation retention and custom NLU
components. They run inside the Rasa process and never import the programme-data service (`assistant`) or the
action server (`actions`): they reach the service over HTTP only."""
