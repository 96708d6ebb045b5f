using System.Globalization;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// A Lua value on the .NET side: what scripts receive (results, RPC parameters, globals set by the host)
/// and what the host reads back. Immutable; tables are <see cref="ScriptTable"/>s.
/// </summary>
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

    /// <summary>The Lua type.</summary>
    public ScriptValueKind Kind { get; }

    /// <summary>True for <c>nil</c>.</summary>
    public bool IsNil => Kind == ScriptValueKind.Nil;

    /// <summary>The boolean; false unless <see cref="Kind"/> is <see cref="ScriptValueKind.Boolean"/>.</summary>
    public bool AsBoolean => Kind == ScriptValueKind.Boolean && _bits != 0;

    /// <summary>The integer; a number with an integral value converts, anything else is 0.</summary>
    public long AsInteger => Kind switch
    {
        ScriptValueKind.Integer => _bits,
        ScriptValueKind.Number when BitConverter.Int64BitsToDouble(_bits) is var d && Math.Floor(d) == d && d >= long.MinValue && d < 9.2233720368547758E18 => (long)d,
        _ => 0,
    };

    /// <summary>The number (integers convert); 0 for other kinds.</summary>
    public double AsNumber => Kind switch
    {
        ScriptValueKind.Integer => _bits,
        ScriptValueKind.Number => BitConverter.Int64BitsToDouble(_bits),
        _ => 0,
    };

    /// <summary>The string, or null for other kinds.</summary>
    public string? AsString => _reference as string;

    /// <summary>The table, or null for other kinds.</summary>
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

    /// <summary>Compares kind and value (tables by reference, like Lua).</summary>
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
