namespace MLNetRiemannian { internal static class Placeholder { } }
