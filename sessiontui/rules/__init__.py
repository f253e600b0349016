"""Pure rules over the model: session state and stuck reasons, pricing. No I/O, no Textual."""
