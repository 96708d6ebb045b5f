using Traktor.Ecs.Net.Scripting.Rpc;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// Which <c>[Rpc]</c> structs scripts may send and handle, by name. <c>multiplayer:rpc("onPlayerJoined",
/// { playerId = 7, playerName = "Ada" })</c> fills the struct mapped to <c>onPlayerJoined</c> field by
/// field (a Lua key is the field's name with its first letter in lower case: <c>PlayerName</c> ↔
/// <c>playerName</c>) and sends it as an ordinary RPC event; an arriving one calls
/// <c>Script:onPlayerJoined(params, sender)</c> with the same table. Unknown keys, wrong types, integers
/// out of range and strings longer than the field holds are refused with an error at the script's line.
/// </summary>
/// <remarks>
/// Supported field types: <see cref="bool"/>, the integer types, enums (as integers), <see cref="float"/>,
/// <see cref="double"/>, <see cref="FixedString32"/>, <see cref="FixedString64"/>,
/// <see cref="System.Numerics.Vector2"/> and <see cref="System.Numerics.Vector3"/> (as <c>{ x =, y =, z = }</c>).
/// Received RPCs are bounded by construction: the generated serializer validated them, and the table
/// has one entry per field.
/// </remarks>
public sealed class ScriptRpcMap
{
    private readonly Dictionary<string, ScriptRpcBinding> _bindings = new(StringComparer.Ordinal);

    /// <summary>The mapped names.</summary>
    public IEnumerable<string> Names => _bindings.Keys;

    internal IEnumerable<ScriptRpcBinding> Bindings => _bindings.Values;

    /// <summary>Maps <typeparamref name="T"/> to the script name <paramref name="name"/>.</summary>
    /// <typeparam name="T">An <c>[Rpc]</c> struct of the registry both ends use.</typeparam>
    /// <param name="name">The name scripts use (and their handler's name).</param>
    /// <returns>This map.</returns>
    /// <exception cref="ArgumentException">The name is taken, or a field of <typeparamref name="T"/> has no Lua form.</exception>
    public ScriptRpcMap Map<T>(string name)
        where T : struct
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_bindings.ContainsKey(name))
        {
            throw new ArgumentException($"The script RPC name '{name}' is already mapped.", nameof(name));
        }

        _bindings.Add(name, new ScriptRpcBinding<T>(name));
        return this;
    }

    internal bool TryGet(string name, out ScriptRpcBinding binding) => _bindings.TryGetValue(name, out binding!);
}
