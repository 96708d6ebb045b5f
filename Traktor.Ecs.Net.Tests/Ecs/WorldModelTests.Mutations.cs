namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>The model test's single-entity changes through the generic, extension and non-generic APIs.</summary>
public partial class WorldModelTests
{
    /// <summary>
    /// Applies one change through one of three API paths picked by the value: the generic world methods,
    /// Arch's entity extension methods, or the non-generic (boxed / ComponentType) world methods.
    /// </summary>
    private static void Mutate(World world, OpKind kind, Entity e, int component, int v)
    {
        switch (v % 3)
        {
            case 1 when kind != OpKind.Destroy:
                MutateThroughExtensions(kind, e, component, v);
                return;
            case 2 when kind != OpKind.Destroy:
                MutateNonGeneric(world, kind, e, component, v);
                return;
        }

        switch (kind, component)
        {
            case (OpKind.Destroy, _): world.Destroy(e); break;
            case (OpKind.Add, 0): world.Add(e, MakeP(v)); break;
            case (OpKind.Add, 1): world.Add(e, MakeH(v)); break;
            case (OpKind.Add, 2): world.Add(e, MakeL(v)); break;
            case (OpKind.Add, _): world.Add(e, new Bulky(v)); break;
            case (OpKind.Remove, 0): world.Remove<Position>(e); break;
            case (OpKind.Remove, 1): world.Remove<Health>(e); break;
            case (OpKind.Remove, 2): world.Remove<Label>(e); break;
            case (OpKind.Remove, _): world.Remove<Bulky>(e); break;
            case (OpKind.Set, 0): world.Set(e, MakeP(v)); break;
            case (OpKind.Set, 1): world.Get<Health>(e) = MakeH(v); break; // write through the ref
            case (OpKind.Set, 2): world.Set(e, MakeL(v)); break;
            case (OpKind.Set, _): world.Set(e, new Bulky(v)); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static void MutateThroughExtensions(OpKind kind, Entity e, int component, int v)
    {
        switch (kind, component)
        {
            case (OpKind.Add, 0): e.Add(MakeP(v)); break;
            case (OpKind.Add, 1): e.Add(MakeH(v)); break;
            case (OpKind.Add, 2): e.Add(MakeL(v)); break;
            case (OpKind.Add, _): e.Add(new Bulky(v)); break;
            case (OpKind.Remove, 0): e.Remove<Position>(); break;
            case (OpKind.Remove, 1): e.Remove<Health>(); break;
            case (OpKind.Remove, 2): e.Remove<Label>(); break;
            case (OpKind.Remove, _): e.Remove<Bulky>(); break;
            case (OpKind.Set, 0): e.Set(MakeP(v)); break;
            case (OpKind.Set, 1): e.Get<Health>() = MakeH(v); break;
            case (OpKind.Set, 2): e.Set(MakeL(v)); break;
            case (OpKind.Set, _): e.Set(new Bulky(v)); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static void MutateNonGeneric(World world, OpKind kind, Entity e, int component, int v)
    {
        object value = component switch { 0 => MakeP(v), 1 => MakeH(v), 2 => MakeL(v), _ => new Bulky(v) };
        switch (kind)
        {
            case OpKind.Add: world.Add(e, value); break;
            case OpKind.Remove: world.Remove(e, value.GetType()); break;
            case OpKind.Set: world.Set(e, value); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
