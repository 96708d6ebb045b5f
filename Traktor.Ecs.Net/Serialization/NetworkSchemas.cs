namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Schemas announced by generated code: each assembly with replicated types registers its schema
/// from a module initializer, so the replication layer can enumerate them once at startup.
/// </summary>
public static class NetworkSchemas
{
    private static readonly Lock Gate = new();
    private static INetworkSchema[] _schemas = [];

    /// <summary>Registered schemas, in registration order.</summary>
    public static IReadOnlyList<INetworkSchema> All => Volatile.Read(ref _schemas);

    /// <summary>
    /// One hash for every registered schema, independent of registration order: FNV-1a 64 over the
    /// schemas' protocol hashes (little-endian) sorted ascending. 0 when none are registered.
    /// </summary>
    /// <returns>The hash to compare during the connection handshake.</returns>
    public static ulong CombinedProtocolHash()
    {
        var schemas = All;
        if (schemas.Count == 0)
        {
            return 0;
        }

        Span<ulong> hashes = schemas.Count <= 64 ? stackalloc ulong[schemas.Count] : new ulong[schemas.Count];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = schemas[i].ProtocolHash;
        }

        hashes.Sort();
        ulong combined = 14695981039346656037UL;
        foreach (ulong hash in hashes)
        {
            for (int shift = 0; shift < 64; shift += 8)
            {
                combined = (combined ^ ((hash >> shift) & 0xFF)) * 1099511628211UL;
            }
        }

        return combined;
    }

    /// <summary>Adds <paramref name="schema"/> unless an instance of the same type is already registered.</summary>
    /// <param name="schema">A generated schema.</param>
    public static void Register(INetworkSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        lock (Gate)
        {
            if (Array.Exists(_schemas, s => s.GetType() == schema.GetType()))
            {
                return;
            }

            Volatile.Write(ref _schemas, [.. _schemas, schema]);
        }
    }
}
