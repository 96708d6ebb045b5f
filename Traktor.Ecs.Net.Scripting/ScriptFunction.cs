namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// A function of the host game that scripts call as <c>game.&lt;name&gt;(…)</c> (see
/// <see cref="ScriptServices.Game"/>). It runs on the tick thread, inside the script's call; the
/// arguments were read within the sandbox's table and string budgets.
/// </summary>
/// <param name="arguments">The script's arguments, in order (at most <see cref="ScriptServices.MaxGameArguments"/>).</param>
/// <returns>The result the script gets (<see cref="ScriptValue.Nil"/> for none).</returns>
/// <exception cref="ArgumentException">Thrown for arguments the function refuses; the script gets a Lua error with the message at its line (any other exception too).</exception>
public delegate ScriptValue ScriptFunction(IReadOnlyList<ScriptValue> arguments);
