using Traktor.Ecs.Net.Scripting.Runtime;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary><c>game</c>: the host game's <see cref="ScriptFunction"/>s (<see cref="ScriptServices.Game"/>), one primitive each.</summary>
internal static class GameApi
{
    /// <summary>The key prefix api.lua recognises the game's functions by.</summary>
    public const string Prefix = "game.";

    public static IEnumerable<KeyValuePair<string, ScriptPrimitive>> Primitives(ScriptServices services)
    {
        foreach (var (name, function) in services.Game ?? new Dictionary<string, ScriptFunction>())
        {
            if (!IsIdentifier(name))
            {
                throw new ArgumentException($"The game function name '{name}' is not a Lua identifier.", nameof(services));
            }

            ArgumentNullException.ThrowIfNull(function);
            yield return new(Prefix + name, call => Invoke(call, function));
        }
    }

    private static int Invoke(LuaCall call, ScriptFunction function)
    {
        int count = call.Lua.GetTop();
        if (count > ScriptServices.MaxGameArguments)
        {
            throw new ScriptCallException($"{call.Function}: more than {ScriptServices.MaxGameArguments} arguments");
        }

        var arguments = new ScriptValue[count];
        for (int i = 0; i < count; i++)
        {
            arguments[i] = call.Value(i + 1);
        }

        return call.Return(function(arguments));
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
