using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Transport;

namespace Demo.Game;

/// <summary>Server-only: the connection flying a ship, its gun's cooldown and its match statistics.</summary>
public struct Pilot
{
    public ConnectionId Connection;
    public float Cooldown;
    public int PendingShots;
    public int Kills;
    public int Deaths;
    public int ShotsFired;
}
