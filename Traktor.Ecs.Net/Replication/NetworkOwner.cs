using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Replication;

namespace Traktor.Ecs.Net;

/// <summary>
/// Marks the connection that owns an entity (its player). Ownership drives the component audience
/// rules (<c>Audience.Owner</c>, <c>Audience.AllButOwner</c>), makes the entity always relevant to
/// its owner, and on the client selects entities for prediction.
/// </summary>
/// <param name="Connection">The owning connection.</param>
public readonly record struct NetworkOwner(ConnectionId Connection);
