using Traktor.Ecs.Net.Transport;

namespace Demo.Game;

/// <summary>Server-only: the connection flying a ship, its latest input and its gun's cooldown.</summary>
public struct Pilot
{
    public ConnectionId Connection;
    public PilotInput Input;
    public float Cooldown;
    public int PendingShots;
    public int Kills;
    public int Deaths;
    public int ShotsFired;
}
