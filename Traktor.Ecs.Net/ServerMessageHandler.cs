using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Handles one kind of message a client sent (the first byte of a message is its kind).</summary>
/// <param name="connection">The sender.</param>
/// <param name="message">The whole message, kind byte included; valid only during the call.</param>
public delegate void ServerMessageHandler(ConnectionId connection, ReadOnlySpan<byte> message);

/// <summary>Handles one kind of message the server sent.</summary>
/// <param name="message">The whole message, kind byte included; valid only during the call.</param>
public delegate void ClientMessageHandler(ReadOnlySpan<byte> message);
