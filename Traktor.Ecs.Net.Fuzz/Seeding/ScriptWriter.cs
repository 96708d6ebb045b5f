using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Fuzz.Seeding;

/// <summary>Writes a fuzz script in the encoding <see cref="Targets.FuzzReader"/> reads.</summary>
internal sealed class ScriptWriter
{
    private readonly List<byte> _bytes = new();

    public int Length => _bytes.Count;

    public ScriptWriter Byte(int value)
    {
        _bytes.Add((byte)value);
        return this;
    }

    public ScriptWriter UInt16(int value)
    {
        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)value);
        _bytes.AddRange(two.ToArray());
        return this;
    }

    public ScriptWriter Block(ReadOnlySpan<byte> data)
    {
        UInt16(data.Length);
        _bytes.AddRange(data.ToArray());
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();
}
