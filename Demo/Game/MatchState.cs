namespace Demo.Game;

/// <summary>
/// A server resource shared by the gameplay systems: whether play is frozen (at the end, so the
/// clients can converge on a still world before it is compared) and the match's scoring events.
/// </summary>
public sealed class MatchState
{
    /// <summary>When set, gameplay systems leave the world untouched; replication keeps running.</summary>
    public bool Frozen { get; set; }

    /// <summary>Rocks destroyed by shots, by pilot id, in order; read by the online services layer.</summary>
    public Queue<int> Kills { get; } = new();

    /// <summary>Rocks destroyed so far.</summary>
    public int RocksDestroyed { get; set; }

    /// <summary>Bullets fired so far.</summary>
    public int ShotsFired { get; set; }
}
