using System.Reflection;
using System.Runtime.CompilerServices;

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
    /// Every schema of the loaded assemblies. A module initializer runs before the first code of its assembly does, not
    /// when the assembly loads: a game whose components live in an assembly of their own (shared by its client and server
    /// programs) has it loaded, but not yet initialized, when a program's first line builds the registry, which then
    /// lacked the game's types (a client refused with <see cref="DisconnectReason.SchemaMismatch"/>, or a server and
    /// client that agree on replicating nothing). So this runs the module initializer of every loaded assembly that
    /// references this library first (once each; the runtime makes it idempotent). Collectible and dynamic assemblies
    /// are left alone.
    /// </summary>
    internal static IReadOnlyList<INetworkSchema> Loaded()
    {
        var library = typeof(NetworkSchemas).Assembly;
        string? name = library.GetName().Name;
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly == library || assembly.IsDynamic || assembly.IsCollectible || !References(assembly, name))
            {
                continue;
            }

            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        }

        return All;
    }

    private static bool References(Assembly assembly, string? name)
    {
        foreach (var reference in assembly.GetReferencedAssemblies())
        {
            if (string.Equals(reference.Name, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

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
