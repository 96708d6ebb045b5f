namespace Traktor.Ecs.Net;

/// <summary>
/// The authority component of shared-authority mode: which peer owns the entity and the version of the claim that made
/// it the owner. Only the owner writes the entity's shared state; every other peer applies the owner's writes.
/// Conflicting claims are settled by <see cref="Outranks"/>, the same rule on every peer, so every peer ends with the
/// same owner whatever order the claims arrived in.
/// </summary>
/// <param name="Peer">The owning peer's id.</param>
/// <param name="Version">The claim's version: one more than the version its claimant had seen.</param>
public readonly record struct SharedOwner(ulong Peer, uint Version)
{
    /// <summary>
    /// The conflict rule: a claim outranks another when its version is newer, or when the versions are equal and its
    /// peer id is lower. Two peers that claim the same entity at the same time both claim version n + 1, and the lower
    /// peer id wins on every peer. Versions compare as serial numbers (RFC 1982): newer means ahead by less than half the
    /// range, so after <see cref="uint.MaxValue"/> comes 1 (0 is never a version) and no version is a ceiling a peer
    /// could freeze an entity at. That order is total over versions less than 2³¹ apart; the shared layer keeps every
    /// claim of an entity within <c>SharedAuthority.MaxClaimStep</c> of the one held, far inside it.
    /// </summary>
    /// <param name="other">The claim in force.</param>
    /// <returns>True when this claim replaces <paramref name="other"/>.</returns>
    public bool Outranks(in SharedOwner other) => Version != other.Version ? (int)(Version - other.Version) > 0 : Peer < other.Peer;

    /// <summary>The version a claim over this one takes: one more, 1 after <see cref="uint.MaxValue"/> (0 is never a version).</summary>
    internal uint NextVersion => Version == uint.MaxValue ? 1 : Version + 1;
}
