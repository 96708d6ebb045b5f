using System.Text;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// The session ticket a connect token's user data carries (read by the session router's approval for every
/// handshake that reaches it): version, session id, issue time, player cap and UTF-8 name.
/// </summary>
internal sealed class SessionTicketTarget : IFuzzTarget
{
    public string Name => "session-ticket";

    public string Description => "server: session ticket in the connect token's user data (SessionTicket.TryRead)";

    public long AllocationBudget => 64 * 1024;

    public void Execute(ReadOnlySpan<byte> input, Probe probe)
    {
        probe.Begin();
        bool valid = SessionTicket.TryRead(input, out var ticket);
        probe.End();
        if (!valid) return;
        Probe.Check(ticket.MaxPlayers is >= 1 and <= SessionLimits.MaxPlayers, $"a ticket with {ticket.MaxPlayers} players was accepted");
        Probe.Check(Encoding.UTF8.GetByteCount(ticket.PlayerName) <= input.Length, "a name longer than the ticket");
    }

    public IEnumerable<byte[]> Seeds() => Seeding.ScriptSeeds.SessionTickets();
}
