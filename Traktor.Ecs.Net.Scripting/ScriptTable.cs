namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// A Lua table on the .NET side: named fields (string keys) and a sequence (keys 1..n). Tables that
/// scripts hand to the host are read into this shape within <see cref="LuaScriptOptions.MaxTableEntries"/>
/// and <see cref="LuaScriptOptions.MaxTableDepth"/>; keys of any other type are refused.
/// </summary>
public sealed class ScriptTable
{
    /// <summary>String-keyed fields (<c>t.name</c>).</summary>
    public Dictionary<string, ScriptValue> Fields { get; } = new(StringComparer.Ordinal);

    /// <summary>The sequence (<c>t[1]</c> … <c>t[n]</c>), in order.</summary>
    public List<ScriptValue> Items { get; } = new();

    /// <summary>A field, or nil when absent.</summary>
    /// <param name="name">The field name.</param>
    public ScriptValue this[string name]
    {
        get => Fields.TryGetValue(name, out var value) ? value : ScriptValue.Nil;
        set => Fields[name] = value;
    }

    /// <summary>Adds a field (fluent, for building results).</summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">Its value.</param>
    /// <returns>This table.</returns>
    public ScriptTable With(string name, ScriptValue value)
    {
        Fields[name] = value;
        return this;
    }

    /// <summary>Appends to the sequence (fluent).</summary>
    /// <param name="value">The item.</param>
    /// <returns>This table.</returns>
    public ScriptTable Add(ScriptValue value)
    {
        Items.Add(value);
        return this;
    }
}
