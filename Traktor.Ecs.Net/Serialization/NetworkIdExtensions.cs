namespace Traktor.Ecs.Net.Serialization;

/// <summary>Entity references are written as varints of their network id (small ids are short).</summary>
public static class NetworkIdExtensions
{
    /// <summary>Writes <paramref name="id"/> as a varint.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="id">The id.</param>
    public static void WriteNetworkId(this ref BitWriter writer, NetworkId id) => writer.WriteVarUInt32(id.Value);

    /// <summary>Reads an id written by <see cref="WriteNetworkId"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The id, or <see cref="NetworkId.None"/> when failed.</returns>
    public static NetworkId ReadNetworkId(this ref BitReader reader) => new(reader.ReadVarUInt32());
}
