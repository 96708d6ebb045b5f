namespace Demo.Game;

/// <summary>What a pilot asks for each tick: thrust forward (0..1) and turn (-1..1).</summary>
public readonly record struct PilotInput(float Thrust, float Turn);
