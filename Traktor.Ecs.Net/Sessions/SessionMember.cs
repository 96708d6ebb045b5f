namespace Traktor.Ecs.Net.Sessions;

/// <summary>A player holding a slot in a session.</summary>
/// <param name="UserId">The player's account id (the transport client id of its connection).</param>
/// <param name="Name">Its display name (the account's username for the directory).</param>
/// <param name="JoinedAt">When it took the slot.</param>
public sealed record SessionMember(long UserId, string Name, DateTimeOffset JoinedAt);
