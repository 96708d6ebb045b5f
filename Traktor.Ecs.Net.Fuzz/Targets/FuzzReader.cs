using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// Reads a fuzz input as a script of operations. Past the end every read yields zero, so any byte string is a
/// valid script and the mutator never wastes executions on inputs that "do not parse".
/// </summary>
internal ref struct FuzzReader(ReadOnlySpan<byte> input)
{
    private ReadOnlySpan<byte> _rest = input;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public byte Byte()
    {
        if (_rest.IsEmpty) return 0;
        byte value = _rest[0];
        _rest = _rest[1..];
        return value;
    }

    public ushort UInt16()
    {
        if (_rest.Length < 2)
        {
            _rest = default;
            return 0;
        }
        ushort value = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        _rest = _rest[2..];
        return value;
    }

    public uint UInt32() => (uint)UInt16() | ((uint)UInt16() << 16);

    /// <summary>A length-prefixed block (16-bit little-endian length, cut at <paramref name="max"/> and at the end).</summary>
    public ReadOnlySpan<byte> Block(int max)
    {
        int length = Math.Min(Math.Min(UInt16(), max), _rest.Length);
        var block = _rest[..length];
        _rest = _rest[length..];
        return block;
    }

    /// <summary>
    /// Applies up to three (offset, value) overwrites to <paramref name="target"/>: how the structure-aware ops
    /// mutate a valid template instead of hoping to hit one.
    /// </summary>
    public void Patch(scoped Span<byte> target)
    {
        int count = Byte() & 3;
        for (int i = 0; i < count && !target.IsEmpty; i++)
        {
            int at = UInt16() % target.Length;
            target[at] = Byte();
        }
    }
}
