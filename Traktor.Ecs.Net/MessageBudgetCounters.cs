namespace Traktor.Ecs.Net;

/// <summary>What <see cref="NetworkServer"/> refused before any handler ran (all connections together).</summary>
public sealed class MessageBudgetCounters
{
    /// <summary>Messages longer than their kind's <see cref="MessageBudget.MaxBytes"/>.</summary>
    public long Oversized { get; internal set; }

    /// <summary>Messages beyond their kind's rate (<see cref="MessageBudget.PerSecond"/>, <see cref="MessageBudget.Burst"/>).</summary>
    public long RateLimited { get; internal set; }

    /// <summary>Messages of a kind nobody registered (dropped; not a violation).</summary>
    public long UnknownKind { get; internal set; }

    /// <summary>Violations counted (an oversized message, or a tick with messages over a rate).</summary>
    public long Violations { get; internal set; }

    /// <summary>Connections disconnected with <see cref="DisconnectReason.ProtocolViolation"/> for their message budgets.</summary>
    public long ViolationDisconnects { get; internal set; }
}
