namespace Traktor.Ecs.Net.Sessions;

/// <summary>What registering gives a game server.</summary>
/// <param name="ServerId">Its id in the fleet (random; a restarted process registers anew and gets a new one).</param>
/// <param name="HeartbeatInterval">How often to heartbeat.</param>
/// <param name="DeadAfter">Silence after which the directory declares it dead and ends its sessions with <see cref="SessionEndReason.ServerLost"/>.</param>
public sealed record GameServerLease(string ServerId, TimeSpan HeartbeatInterval, TimeSpan DeadAfter);
