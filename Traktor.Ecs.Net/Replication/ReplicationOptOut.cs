using Traktor.Ecs.Net.Replication;

namespace Traktor.Ecs.Net;

/// <summary>
/// An entity carrying this tag is not replicated even though it has <c>[Replicated]</c> components
/// (server-only props, entities being set up). Remove the tag to start replicating it.
/// </summary>
public readonly record struct ReplicationOptOut;
