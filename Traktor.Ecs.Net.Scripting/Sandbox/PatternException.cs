namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>A malformed Lua pattern; the message is Lua's own (for example "malformed pattern (missing ']')").</summary>
internal sealed class PatternException(string message) : Exception(message);
