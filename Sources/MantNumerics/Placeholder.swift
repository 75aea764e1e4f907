public enum MantNumericsPlaceholder {}
