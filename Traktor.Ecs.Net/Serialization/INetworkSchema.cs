namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// The generated description of every replicated type of one assembly: ids, settings and a
/// protocol hash both ends compare when a client connects.
/// </summary>
public interface INetworkSchema
{
    /// <summary>FNV-1a 64 of <see cref="CanonicalSchema"/>: changes when any replicated field, its type or its encoding changes.</summary>
    ulong ProtocolHash { get; }

    /// <summary>The text the hash is computed from (one line per field), for diagnosing mismatches.</summary>
    string CanonicalSchema { get; }

    /// <summary>Every type, indexed by network type id.</summary>
    IReadOnlyList<NetworkTypeInfo> Types { get; }

    /// <summary>Calls <paramref name="visitor"/> once per type, in id order, with its generic arguments.</summary>
    /// <param name="visitor">The visitor.</param>
    void Accept(INetworkTypeVisitor visitor);
}
