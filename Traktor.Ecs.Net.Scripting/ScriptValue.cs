using System.Globalization;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// A Lua value on the .NET side: what scripts receive (globals the host sets, <see cref="LuaScript.Call"/>'s arguments,
/// the results of <see cref="ScriptFunction"/>s, RPC parameters) and what the host reads back
/// (<see cref="LuaScript.GetGlobal"/>, a <see cref="ScriptFunction"/>'s arguments). Immutable; tables are
/// <see cref="ScriptTable"/>s. docs/SCRIPTING.md "Values between C# and Lua" has a whole example.
/// </summary>
/// <remarks>
/// <para>It holds one of Lua's data types, named by <see cref="Kind"/>: <c>nil</c> (the default), a boolean, an integer
/// (<see cref="long"/>, Lua's integer subtype), a float (<see cref="double"/>, Lua's float subtype), a string or a table.
/// Functions, coroutines and userdata never cross: <see cref="LuaScript.GetGlobal"/> reads them (and a table holding one)
/// as <c>nil</c>, and a call that hands one to the host fails at the script's line.</para>
/// <para>C# values convert implicitly: <see cref="bool"/>, <see cref="long"/> (and <see cref="int"/>, through it, as an
/// integer), <see cref="double"/> (a float), <see cref="string"/> and <see cref="ScriptTable"/> (null for either is
/// <c>nil</c>). The <c>As…</c> properties never throw: a value of another kind reads as <see langword="false"/>, 0 or null,
/// so test <see cref="Kind"/> where that differs from a real 0. Lua's <c>/</c> always makes a float, <c>//</c> an integer.</para>
/// </remarks>
public readonly struct ScriptValue : IEquatable<ScriptValue>
{
    private readonly long _bits;
    private readonly object? _reference;

    private ScriptValue(ScriptValueKind kind, long bits, object? reference)
    {
        Kind = kind;
        _bits = bits;
        _reference = reference;
    }

    /// <summary>Lua <c>nil</c> (the default value).</summary>
    public static ScriptValue Nil => default;

    /// <summary>The Lua type: which of the <c>As…</c> properties holds the value.</summary>
    public ScriptValueKind Kind { get; }

    /// <summary>True for <c>nil</c>.</summary>
    public bool IsNil => Kind == ScriptValueKind.Nil;

    /// <summary>The boolean; false unless <see cref="Kind"/> is <see cref="ScriptValueKind.Boolean"/>.</summary>
    public bool AsBoolean => Kind == ScriptValueKind.Boolean && _bits != 0;

    /// <summary>
    /// The integer; a float with an integral value in <see cref="long"/>'s range converts (<c>2.0</c> is 2), anything else
    /// (a fraction, another kind) is 0.
    /// </summary>
    public long AsInteger => Kind switch
    {
        ScriptValueKind.Integer => _bits,
        ScriptValueKind.Number when BitConverter.Int64BitsToDouble(_bits) is var d && Math.Floor(d) == d && d >= long.MinValue && d < 9.2233720368547758E18 => (long)d,
        _ => 0,
    };

    /// <summary>The number: a float, or an integer converted to <see cref="double"/>; 0 for other kinds.</summary>
    public double AsNumber => Kind switch
    {
        ScriptValueKind.Integer => _bits,
        ScriptValueKind.Number => BitConverter.Int64BitsToDouble(_bits),
        _ => 0,
    };

    /// <summary>The string, or null for other kinds (a number is not converted: use <see cref="ToString"/> for that).</summary>
    public string? AsString => _reference as string;

    /// <summary>The table (string-keyed <see cref="ScriptTable.Fields"/> and the sequence <see cref="ScriptTable.Items"/>), or null for other kinds.</summary>
    public ScriptTable? AsTable => _reference as ScriptTable;

    /// <summary>A boolean value.</summary>
    /// <param name="value">The boolean.</param>
    /// <returns>The value.</returns>
    public static ScriptValue From(bool value) => new(ScriptValueKind.Boolean, value ? 1 : 0, null);

    /// <summary>An integer value.</summary>
    /// <param name="value">The integer.</param>
    /// <returns>The value.</returns>
    public static ScriptValue From(long value) => new(ScriptValueKind.Integer, value, null);

    /// <summary>A float value.</summary>
    /// <param name="value">The number.</param>
    /// <returns>The value.</returns>
    public static ScriptValue From(double value) => new(ScriptValueKind.Number, BitConverter.DoubleToInt64Bits(value), null);

    /// <summary>A string value; null gives <c>nil</c>.</summary>
    /// <param name="value">The text.</param>
    /// <returns>The value.</returns>
    public static ScriptValue From(string? value) => value is null ? Nil : new(ScriptValueKind.String, 0, value);

    /// <summary>A table value; null gives <c>nil</c>.</summary>
    /// <param name="value">The table.</param>
    /// <returns>The value.</returns>
    public static ScriptValue From(ScriptTable? value) => value is null ? Nil : new(ScriptValueKind.Table, 0, value);

    /// <summary>Converts a boolean.</summary>
    /// <param name="value">The boolean.</param>
    public static implicit operator ScriptValue(bool value) => From(value);

    /// <summary>Converts an integer.</summary>
    /// <param name="value">The integer.</param>
    public static implicit operator ScriptValue(long value) => From(value);

    /// <summary>Converts a number.</summary>
    /// <param name="value">The number.</param>
    public static implicit operator ScriptValue(double value) => From(value);

    /// <summary>Converts a string (null gives nil).</summary>
    /// <param name="value">The text.</param>
    public static implicit operator ScriptValue(string? value) => From(value);

    /// <summary>Converts a table (null gives nil).</summary>
    /// <param name="value">The table.</param>
    public static implicit operator ScriptValue(ScriptTable? value) => From(value);

    /// <summary>
    /// Compares kind and value (strings ordinally, tables by reference, like Lua). Unlike Lua's <c>==</c>, the integer 2 and
    /// the float 2.0 differ: their <see cref="Kind"/>s do.
    /// </summary>
    /// <param name="other">The other value.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(ScriptValue other) =>
        Kind == other.Kind && _bits == other._bits && (Kind == ScriptValueKind.String ? string.Equals(AsString, other.AsString, StringComparison.Ordinal) : ReferenceEquals(_reference, other._reference));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ScriptValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, _bits, Kind == ScriptValueKind.String ? AsString!.GetHashCode(StringComparison.Ordinal) : _reference?.GetHashCode() ?? 0);

    /// <summary>Compares two values.</summary>
    /// <param name="left">One value.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(ScriptValue left, ScriptValue right) => left.Equals(right);

    /// <summary>Compares two values.</summary>
    /// <param name="left">One value.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when different.</returns>
    public static bool operator !=(ScriptValue left, ScriptValue right) => !left.Equals(right);

    /// <summary>The value as Lua's <c>tostring</c> would show a scalar (tables as "table").</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Kind switch
    {
        ScriptValueKind.Nil => "nil",
        ScriptValueKind.Boolean => AsBoolean ? "true" : "false",
        ScriptValueKind.Integer => _bits.ToString(CultureInfo.InvariantCulture),
        ScriptValueKind.Number => AsNumber.ToString("R", CultureInfo.InvariantCulture),
        ScriptValueKind.String => AsString!,
        _ => "table",
    };
}
