using System.Reflection;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net.Scripting.Rpc;

/// <summary>The typed binding: the struct's public fields, converted one by one (<see cref="RpcFieldConverter"/>).</summary>
/// <typeparam name="T">The <c>[Rpc]</c> struct.</typeparam>
internal sealed class ScriptRpcBinding<T> : ScriptRpcBinding
    where T : struct
{
    private readonly QueryDescription _received = new QueryDescription().WithAll<T, RpcSource>();
    private readonly (FieldInfo Field, string LuaName, RpcFieldConverter Converter)[] _fields;

    public ScriptRpcBinding(string name)
        : base(name)
    {
        _fields = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Instance)
            .Select(field => (field, LuaName(field.Name), RpcFieldConverter.For(field.FieldType)
                ?? throw new ArgumentException($"Field {typeof(T).Name}.{field.Name} of type {field.FieldType.Name} has no Lua form.", nameof(T))))
            .ToArray();
    }

    public override void Send(World world, ScriptTable parameters, RpcTarget target)
    {
        if (parameters.Items.Count > 0)
        {
            throw new Runtime.ScriptCallException($"rpc '{Name}' takes named fields, not a list");
        }

        foreach (string key in parameters.Fields.Keys)
        {
            if (Array.FindIndex(_fields, f => f.LuaName == key) < 0)
            {
                throw new Runtime.ScriptCallException($"rpc '{Name}' has no field '{key}' (it has {string.Join(", ", _fields.Select(f => f.LuaName))})");
            }
        }

        object boxed = default(T);
        foreach (var (field, luaName, converter) in _fields)
        {
            var value = parameters[luaName];
            if (!value.IsNil)
            {
                field.SetValue(boxed, converter.FromLua(value, $"rpc '{Name}' field '{luaName}'"));
            }
        }

        world.SendRpc((T)boxed, target);
    }

    public override void Collect(World world, List<(ScriptTable Parameters, RpcSource Source)> into)
    {
        world.Query(in _received, (ref T message, ref RpcSource source) =>
        {
            object boxed = message;
            var table = new ScriptTable();
            foreach (var (field, luaName, converter) in _fields)
            {
                table[luaName] = converter.ToLua(field.GetValue(boxed)!);
            }

            into.Add((table, source));
        });
    }

    private static string LuaName(string field) => field.Length == 0 ? field : char.ToLowerInvariant(field[0]) + field[1..];
}
