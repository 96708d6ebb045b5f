using System.Globalization;
using System.Numerics;
using System.Text;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Scripting.Rpc;

/// <summary>Converts one RPC field between its .NET type and a Lua value, refusing what does not fit.</summary>
internal sealed class RpcFieldConverter
{
    private readonly Func<ScriptValue, string, object> _fromLua;
    private readonly Func<object, ScriptValue> _toLua;

    private RpcFieldConverter(Func<ScriptValue, string, object> fromLua, Func<object, ScriptValue> toLua)
    {
        _fromLua = fromLua;
        _toLua = toLua;
    }

    public object FromLua(ScriptValue value, string what) => _fromLua(value, what);

    public ScriptValue ToLua(object value) => _toLua(value);

    /// <summary>The converter for <paramref name="type"/>, or null when it has no Lua form.</summary>
    public static RpcFieldConverter? For(Type type)
    {
        if (type.IsEnum)
        {
            var underlying = Enum.GetUnderlyingType(type);
            var inner = For(underlying)!;
            return new((v, what) => Enum.ToObject(type, inner.FromLua(v, what)), o => inner.ToLua(Convert.ChangeType(o, underlying, CultureInfo.InvariantCulture)));
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => new((v, what) => v.Kind == ScriptValueKind.Boolean ? v.AsBoolean : throw Wrong(what, "a boolean", v), o => (bool)o),
            TypeCode.SByte => Integer(sbyte.MinValue, sbyte.MaxValue, l => (sbyte)l, o => (sbyte)o),
            TypeCode.Byte => Integer(byte.MinValue, byte.MaxValue, l => (byte)l, o => (byte)o),
            TypeCode.Int16 => Integer(short.MinValue, short.MaxValue, l => (short)l, o => (short)o),
            TypeCode.UInt16 => Integer(ushort.MinValue, ushort.MaxValue, l => (ushort)l, o => (ushort)o),
            TypeCode.Char => Integer(char.MinValue, char.MaxValue, l => (char)l, o => (char)o),
            TypeCode.Int32 => Integer(int.MinValue, int.MaxValue, l => (int)l, o => (int)o),
            TypeCode.UInt32 => Integer(uint.MinValue, uint.MaxValue, l => (uint)l, o => (uint)o),
            TypeCode.Int64 => Integer(long.MinValue, long.MaxValue, l => l, o => (long)o),
            TypeCode.UInt64 => Integer(0, long.MaxValue, l => (ulong)l, o => (long)Math.Min((ulong)o, long.MaxValue)),
            TypeCode.Single => new((v, what) => (float)Number(v, what), o => (double)(float)o),
            TypeCode.Double => new((v, what) => Number(v, what), o => (double)o),
            _ when type == typeof(FixedString32) => Text(FixedString32.Capacity, bytes => FixedString32.TryFromUtf8(bytes, out var s) ? s : default, o => ((FixedString32)o).ToString()),
            _ when type == typeof(FixedString64) => Text(FixedString64.Capacity, bytes => FixedString64.TryFromUtf8(bytes, out var s) ? s : default, o => ((FixedString64)o).ToString()),
            _ when type == typeof(Vector2) => new((v, what) => new Vector2(Axis(v, "x", what), Axis(v, "y", what)),
                o => new ScriptTable().With("x", (double)((Vector2)o).X).With("y", (double)((Vector2)o).Y)),
            _ when type == typeof(Vector3) => new((v, what) => new Vector3(Axis(v, "x", what), Axis(v, "y", what), Axis(v, "z", what)),
                o => new ScriptTable().With("x", (double)((Vector3)o).X).With("y", (double)((Vector3)o).Y).With("z", (double)((Vector3)o).Z)),
            _ => null,
        };
    }

    private static RpcFieldConverter Integer(long min, long max, Func<long, object> box, Func<object, long> unbox) =>
        new((v, what) =>
        {
            if (v.Kind == ScriptValueKind.Integer || (v.Kind == ScriptValueKind.Number && Math.Floor(v.AsNumber) == v.AsNumber && Math.Abs(v.AsNumber) < 9.2e18))
            {
                long value = v.AsInteger;
                return value >= min && value <= max ? box(value) : throw new ScriptCallException($"{what} must be between {min} and {max}, got {value}");
            }

            throw Wrong(what, "an integer", v);
        }, o => unbox(o));

    private static double Number(ScriptValue v, string what) =>
        v.Kind is ScriptValueKind.Integer or ScriptValueKind.Number ? v.AsNumber : throw Wrong(what, "a number", v);

    private static float Axis(ScriptValue v, string axis, string what) =>
        v.AsTable is { } table ? (float)Number(table[axis], $"{what}.{axis}") : throw Wrong(what, "a table { x =, y = … }", v);

    private static RpcFieldConverter Text(int capacity, Func<byte[], object> create, Func<object, string> read) =>
        new((v, what) =>
        {
            if (v.Kind != ScriptValueKind.String)
            {
                throw Wrong(what, "a string", v);
            }

            byte[] bytes = Encoding.UTF8.GetBytes(v.AsString!);
            return bytes.Length <= capacity ? create(bytes) : throw new ScriptCallException($"{what} is longer than {capacity} bytes");
        }, o => read(o));

    private static ScriptCallException Wrong(string what, string expected, ScriptValue got) =>
        new($"{what} must be {expected}, got {got.Kind.ToString().ToLowerInvariant()}");
}
