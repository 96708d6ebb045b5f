namespace Traktor.Ecs.Net.Scripting.Sandbox;

/// <summary>A pattern match ran out of the entry's instruction budget (see <see cref="LuaPattern"/>).</summary>
internal sealed class PatternBudgetException() : Exception("The pattern match ran out of the instruction budget.");
