// Placeholder until the workflows package build lands.
