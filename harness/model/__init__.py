"""The model layer: scenario files as typed, validated data. Pure: no engine code."""
