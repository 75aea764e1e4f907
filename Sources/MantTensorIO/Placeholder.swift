public enum MantTensorIOPlaceholder {}
