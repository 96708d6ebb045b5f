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
