using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>Client event entity: the connection to the server is established. Lives for the tick it appears in.</summary>
public readonly record struct ConnectedEvent;
